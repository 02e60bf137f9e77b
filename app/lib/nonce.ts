// The response's CSP nonce, from entry.server.tsx to root.tsx's <Scripts> and <ScrollRestoration>.
// In the browser it is empty: browsers hide a nonce attribute's value after parsing, so the
// hydrated markup agrees with the empty string.
import { createContext, useContext } from "react";

export const NonceContext = createContext<string>("");

export const useNonce = () => useContext(NonceContext);
