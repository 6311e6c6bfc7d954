"""Problems: typed cost functions and (later) datasets with models and losses.

Text from students is parsed against a whitelist and turned into sympy trees built here;
nothing typed is ever executed.
"""
