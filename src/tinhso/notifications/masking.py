"""Masking of e-mail addresses and phone numbers for lists and logs."""

from tinhso.accounts.identifiers import mask_phone


def mask_recipient(recipient: str) -> str:
    """Hide most of an address: ``"nguyenvana@gmail.com"`` -> ``"ng***@gmail.com"``,
    ``"0912345678"`` -> ``"+8491•••••78"``.

    E-mail keeps the first two characters of the local part and the domain; phone numbers use the
    platform's one phone mask, ``tinhso.accounts.identifiers.mask_phone``.
    """
    value = recipient.strip()
    if "@" in value:
        local, _, domain = value.rpartition("@")
        return f"{local[:2] if len(local) > 2 else local[:1]}***@{domain}"
    return mask_phone(value)
