"""CSV downloads, streamed row by row and safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator
from dataclasses import asdict

from django.conf import settings
from django.http import StreamingHttpResponse

from payouts.selectors import DAC7_COLUMNS, REPORT_COLUMNS, ReportRow, dac7_rows, period_report_rows

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """Neutralise text a spreadsheet would run as a formula by prefixing a quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Line:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(list(header))
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(filename: str, lines: Iterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def report_values(period: str, row: ReportRow) -> list[object]:
    values = asdict(row)
    values["period"] = period
    values["agent_id"] = "" if row.agent_id is None else row.agent_id
    return [values[column] for column in REPORT_COLUMNS]


def period_report_csv_lines(*, period: str) -> Iterator[str]:
    """One line per agent, then a TOTAL line; rows stream from the database in chunks."""

    def rows() -> Iterator[list[object]]:
        totals = ReportRow(agent_id=None, agent_name="TOTAL", currency=settings.CURRENCY)
        for row in period_report_rows(period=period):
            totals.add(row)
            yield report_values(period, row)
        yield report_values(period, totals)

    return csv_lines(REPORT_COLUMNS, rows())


def dac7_csv_lines(*, year: int) -> Iterator[str]:
    return csv_lines(DAC7_COLUMNS, ([row[column] for column in DAC7_COLUMNS] for row in dac7_rows(year=year)))
