"""Page script: the work is in webapp.views.plan.render()."""

from webapp.views import plan

plan.render()
