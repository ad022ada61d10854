"""The project's spiders: ``matter_products`` (CSA-IoT listing) and ``dcl_vendors`` (DCL API)."""
