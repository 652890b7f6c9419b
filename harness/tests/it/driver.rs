//! The driver through the real mock providers, from an auto-post SAMLRequest to the ACS.
