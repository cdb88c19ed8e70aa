"""The SVG card templates that credentials' renderMethod names (W3C VC Rendering Methods), kept by their digest."""

from django.db import models


class RenderTemplate(models.Model):
    """One SVG template, content-addressed: a signed credential binds it by SHA-256, so it never changes.

    It holds the organisation's design (colours, logo, page shape) and Handlebars placeholders for the
    credential's values, never a learner's text: the wallet fills those in. Rows are shared by every
    credential, of any organisation, whose template came out byte for byte the same.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    svg = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"SVG render template {self.sha256[:12]}"
