import { useEffect, useState } from 'react';
import { createGpuContext } from '../gpu/context';

type AdapterState = { status: 'probing' } | { status: 'ready'; name: string; software: boolean } | { status: 'unavailable'; message: string };

export function App() {
  const [adapter, setAdapter] = useState<AdapterState>({ status: 'probing' });
  useEffect(() => {
    let cancelled = false;
    createGpuContext(navigator.gpu)
      .then((ctx) => {
        if (!cancelled) setAdapter({ status: 'ready', name: ctx.adapter.name, software: ctx.adapter.isSoftware });
        ctx.destroy();
      })
      .catch((e: Error) => !cancelled && setAdapter({ status: 'unavailable', message: e.message }));
    return () => {
      cancelled = true;
    };
  }, []);
  return (
    <main>
      <h1>RLVR Lab</h1>
      <p data-testid="adapter">
        {adapter.status === 'probing' && 'Looking for a WebGPU adapter…'}
        {adapter.status === 'ready' && `WebGPU adapter: ${adapter.name}${adapter.software ? ' (software)' : ''}`}
        {adapter.status === 'unavailable' && adapter.message}
      </p>
    </main>
  );
}
