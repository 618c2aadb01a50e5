"""Truecaller: Truecaller for Business (verified numbers, caller ID) and the profile flow."""
