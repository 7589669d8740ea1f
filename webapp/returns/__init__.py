"""Statutory returns made from the records: the Children in Need census, checked by the DfE's rules."""
