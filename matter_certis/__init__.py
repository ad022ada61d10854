"""matter-certis: a local database of Matter-certified products from CSA-IoT."""
