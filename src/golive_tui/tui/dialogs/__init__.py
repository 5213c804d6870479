"""Modal dialogs: self-contained `ModalScreen`s, each with its own `DEFAULT_CSS`."""
