"""Wallet delivery: a learner claims their credential into a wallet, bound to the wallet's DID."""
