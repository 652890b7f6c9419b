"""The SPID attribute names (SPID technical rules, "Attributi"), NameFormat basic, kept as sent:
pysaml2's own basic map reads "name" and "email" as other attributes."""

SPID = [
    "spidCode", "name", "familyName", "placeOfBirth", "countyOfBirth", "dateOfBirth", "gender",
    "companyName", "registeredOffice", "fiscalNumber", "ivaCode", "idCard", "mobilePhone",
    "email", "address", "expirationDate", "digitalAddress", "domicileStreetAddress",
    "domicilePostalCode", "domicileMunicipality", "domicileProvince", "domicileNation",
]

MAP = {
    "identifier": "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
    "fro": {name: name for name in SPID},
    "to": {name: name for name in SPID},
}
