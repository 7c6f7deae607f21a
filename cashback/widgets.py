from django import forms


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always yyyy-mm-dd, whatever the page's language:
    a browser drops any other value (a localised 02-12-2026) from an <input type="date">."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
