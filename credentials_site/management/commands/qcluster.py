"""manage.py qcluster: django-q2's command, with a cluster that stops cleanly on SIGTERM to its whole
process group (credentials_site/graceful_cluster.py)."""

from django_q.management.commands import qcluster

from credentials_site.graceful_cluster import GracefulCluster, graceful_cluster_install


class Command(qcluster.Command):
    def handle(self, *args, **options):
        graceful_cluster_install()
        qcluster.Cluster = GracefulCluster  # the name django-q2's handle() builds its cluster from
        super().handle(*args, **options)
