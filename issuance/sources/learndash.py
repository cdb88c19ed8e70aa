"""LearnDash: the WordPress plugin in integrations/wordpress/ posts the generic dialect, signed.

The plugin hooks `learndash_course_completed` and sends `course.completed` with the WordPress user
and the course post's id, so this dialect reads exactly what the generic one reads; it exists so
staff see which sources are WordPress sites, and so the plugin's quirks have one home.
"""

from .generic import GenericDialect


class LearnDashDialect(GenericDialect):
    name = "learndash"
    label = "LearnDash (WordPress plugin, Standard Webhooks)"
