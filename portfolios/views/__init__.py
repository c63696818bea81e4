"""The portfolios app's pages, one module per area: dashboard and accounts, transactions, imports,
prices, sign-in and settings."""
