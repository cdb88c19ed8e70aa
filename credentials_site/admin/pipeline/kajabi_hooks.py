"""A Kajabi source's "Register Kajabi hooks" action: Kajabi's tag_added hooks made to match the course mapping table."""

from django.contrib import admin, messages

from issuance.sources.kajabi_hooks import KajabiHooksError, kajabi_hooks_register

LEVELS = {"registered": messages.SUCCESS, "kept": messages.INFO, "removed": messages.INFO, "failed": messages.ERROR}


class KajabiHookActions:
    """Mixed into the source admin; per tag, a message saying what was done (the same lines source_add prints)."""

    @admin.action(description="Register Kajabi hooks: one tag_added hook per mapped tag", permissions=["change"])
    def register_kajabi_hooks(self, request, queryset):
        for source in queryset:
            if source.dialect != "kajabi":
                self.message_user(request, f"{source.name}: only a Kajabi source has hooks to register.", messages.INFO)
                continue
            try:
                changes = kajabi_hooks_register(source=source)
            except KajabiHooksError as exc:
                self.message_user(request, f"{source.name}: no hook registered. {exc}", messages.ERROR)
                continue
            if not changes:
                self.message_user(request, f"{source.name}: no tag is mapped to a course yet; add the tag ids to the course mapping, save, then register.",
                                  messages.WARNING)
            for change in changes:
                self.message_user(request, f"{source.name} · tag {change.tag}: {change.action}, {change.detail}", LEVELS[change.action])
            # Recorded as any change of the source: who, when, what Kajabi was asked; never the address's secret.
            summary = ", ".join(f"{c.tag} {c.action}" for c in changes) or "no tag mapped"
            self.log_change(request, source, f"Registered Kajabi hooks: {summary}.")
