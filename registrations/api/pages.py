"""The company admin's page for API tokens: create (shown once), list, revoke."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ..companies.access import company_admin_required
from .forms import TokenForm
from .models import ApiToken
from .services import create_token, revoke_token


@never_cache  # the page that shows a new key must not be kept by the browser
@company_admin_required
def api_tokens(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token, key = create_token(request.company, name=form.cleaned_data["name"], user=request.user)
        messages.success(request, _("Token “%(name)s” created. Copy it now: it is shown only once.")
                         % {"name": token.name})
        # Shown once, on the page the browser is redirected to (a reload does not make another).
        request.session["new_api_key"] = key
        return redirect("api_tokens")
    new_key = request.session.pop("new_api_key", None)
    return render(request, "api/tokens.html", {
        "form": form,
        "new_key": new_key,
        "tokens": ApiToken.objects.for_company(request.company).select_related("created_by", "revoked_by"),
    })


@require_POST
@company_admin_required
def revoke_api_token(request, pk):
    token = get_object_or_404(ApiToken.objects.for_company(request.company), pk=pk)
    revoke_token(token, user=request.user)
    messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("api_tokens")
