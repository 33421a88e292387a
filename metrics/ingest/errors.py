"""The one error a bad published file raises: it names the file, the column and the (1-based data) row."""
from __future__ import annotations


class IngestError(Exception):
    def __init__(self, file: str, message: str, column: str | None = None, row: int | None = None):
        self.file, self.column, self.row, self.message = file, column, row, message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.column is not None:
            where += f", column '{self.column}'"
        if self.row is not None:
            where += f", row {self.row}"
        return f"{where}: {self.message}"
