"""PDF output: HTML + CSS through WeasyPrint (BSD), with the CJK fonts the
install step puts on the machine. Templates under templates/pdf/ extend
pdf/base.html, which sets A4 pages, running headers and page numbers."""

from django.conf import settings
from django.template.loader import render_to_string


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML  # imported late: it loads Pango at import time

    return HTML(string=html, base_url=base_url or str(settings.BASE_DIR)).write_pdf()


def render_pdf(template_name: str, context: dict, request=None) -> bytes:
    return html_to_pdf(render_to_string(template_name, context, request=request))
