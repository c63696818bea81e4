"""Prices: the CoinGecko/Coinbase clients, validation of every number, the offline demo history,
and the services and selectors that write and read PriceQuote rows."""
