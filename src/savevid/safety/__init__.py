"""Rules that keep untrusted input (links, titles) from doing harm."""
