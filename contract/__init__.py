"""The bottom layer: the normalized schema, the error hierarchy, phone numbers, ids and cursors.

Every other package may import it; it imports nothing of ours.
"""
