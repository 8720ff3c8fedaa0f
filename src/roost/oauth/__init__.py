"""OAuth2 applications, authorization codes and access tokens; scope checks."""
