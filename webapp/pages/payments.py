"""Page script: the work is in webapp.views.payments.render()."""

from webapp.views import payments

payments.render()
