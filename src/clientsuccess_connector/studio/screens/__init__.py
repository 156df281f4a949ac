"""The studio's screens: one module of routes per screen of the product doc."""
