"""HTTP resources, one module per endpoint group. Each is thin: parse, call the repository
or the engine, serialize. Resources that write declare ``write_methods`` so the auth
middleware can protect them."""
