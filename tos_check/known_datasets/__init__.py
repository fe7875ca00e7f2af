"""Public datasets whose makers say which models wrote them, as data: a scan that meets `tatsu-lab/alpaca` in a
training config learns, from the catalog, that text-davinci-003 wrote its responses, without the card at hand.
"""
