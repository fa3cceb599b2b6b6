"""Page script: the work is in webapp.views.renewal.render()."""

from webapp.views import renewal

renewal.render()
