"""The staff UI: the admin site (site.py), its base classes (base.py), sidebar (navigation.py) and script policy
(csp.py), the dashboard, and every model admin: the catalogue's, the pipeline's and the audit trail's.

The model admins are imported by LaurelAdminConfig.ready(), not here: the site itself lives in this package,
and registering while Django's lazy default site is still being built would register on a site it then drops.
"""
