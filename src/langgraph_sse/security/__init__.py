"""Who may call and what they may ask: authentication, thread ownership, limits."""
