import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useMemo } from 'react';

/** A formula typeset by KaTeX; `block` sets it on its own line. A typo shows as red source text instead of breaking the lesson. */
export function Tex({ children, block = false }: { children: string; block?: boolean }) {
  const html = useMemo(() => katex.renderToString(children, { displayMode: block, throwOnError: false, strict: 'ignore' }), [children, block]);
  return block ? <div className="lesson-formula" dangerouslySetInnerHTML={{ __html: html }} /> : <span dangerouslySetInnerHTML={{ __html: html }} />;
}
