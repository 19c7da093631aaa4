"""Attachments: photos and files kept in a storage, checked and shrunk before they are kept."""
