"""How the engine counts money.

Money values (basis, proceeds, income, fair values, disallowed losses) are rounded half-even to 18 decimal
places, the precision the database stores; every split of a value into pieces hands the remainder to the last
piece, so the pieces always sum exactly to the whole. Quantities are never rounded.
"""

from __future__ import annotations

from decimal import Context, Decimal

# Far more digits than the 18 kept, so a product or pro-rata quotient is rounded once, at MONEY, not twice.
CONTEXT = Context(prec=80)
MONEY = Decimal("1e-18")
