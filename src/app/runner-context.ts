// The one Runner of the page, handed to components through React context.

import { createContext, useContext } from 'react';
import type { Runner } from './runner';

export const RunnerContext = createContext<Runner | null>(null);

/** Null until storage has been opened and saved runs restored. */
export function useRunner(): Runner | null {
  return useContext(RunnerContext);
}
