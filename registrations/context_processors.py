def portal(request):
    return {
        "company": getattr(request, "company", None),
        "membership": getattr(request, "membership", None),
    }
