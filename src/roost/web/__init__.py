"""HTTP plumbing shared by every domain's ``api`` module: auth, paging, responses, errors."""
