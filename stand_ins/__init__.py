"""Stand-ins for the outside systems Laurel talks to: real servers on 127.0.0.1 that answer the way each
system was measured to answer. The tests, the demo (scripts/) and the benchmark (bench/) all use them."""
