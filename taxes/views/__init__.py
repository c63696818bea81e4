"""The tax pages: the year-end summary with its downloads and the tax profile."""
