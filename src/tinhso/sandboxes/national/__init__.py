"""The national portal (Cổng DVCQG) sandbox: protocol (``gateway``), checks of what we send
(``checks``), link fetching (``files``), faults (``faults``), state (``store``), HTTP (``views``).
It stands for an outside system, so it imports nothing from other Tỉnh Số apps."""
