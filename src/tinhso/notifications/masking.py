"""Masking of e-mail addresses and phone numbers for lists and logs."""


def mask_recipient(recipient: str) -> str:
    """Hide most of an address: ``"nguyenvana@gmail.com"`` -> ``"ng***@gmail.com"``,
    ``"0912345678"`` -> ``"091****678"``.

    E-mail keeps the first two characters of the local part and the domain; a phone number keeps
    its first three and last three characters. The number of stars does not reveal the length.
    """
    value = recipient.strip()
    if "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:2] if len(local) > 2 else local[:1]}***@{domain}"
    if len(value) <= 6:
        return f"***{value[-2:]}"
    return f"{value[:3]}****{value[-3:]}"
