"""Certificate rendering: sandboxed templates, locked-down references, bundled fonts, PDF output."""
