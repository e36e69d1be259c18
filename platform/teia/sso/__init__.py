"""Single sign-on: partners and staff sign in through their organisation's OpenID provider."""
