"""Learners' data rights: a copy of everything Laurel holds about one learner, erasure, and retention."""
