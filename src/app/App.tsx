import { useEffect, useState } from 'react';
import { Banners } from './Banners';
import { ChartsPanel } from './ChartsPanel';
import { Launcher } from './Launcher';
import { lessonHash } from './lessons/lesson-link';
import { LessonPage } from './lessons/LessonPage';
import { navigate, useRoute } from './lessons/route';
import { RolloutInspector } from './RolloutInspector';
import type { Runner } from './runner';
import { RunnerContext } from './runner-context';
import { RunList } from './RunList';
import { SharePanel } from './SharePanel';
import { startLab } from './startup';
import { useLab } from './store';
import './styles.css';

function AdapterStatus() {
  const gpu = useLab((s) => s.gpu);
  return (
    <p data-testid="adapter" className={`adapter adapter-${gpu.status}`} role={gpu.status === 'unavailable' ? 'status' : undefined}>
      {gpu.status === 'probing' && 'Looking for a WebGPU adapter…'}
      {gpu.status === 'ready' && `WebGPU adapter: ${gpu.name}${gpu.software ? ' (software)' : ''}`}
      {gpu.status === 'unavailable' && `${gpu.message} Training is off; shared results and imported runs still show.`}
    </p>
  );
}

function Lab() {
  const [runner, setRunner] = useState<Runner | null>(null);
  useEffect(() => {
    let live = true;
    void startLab().then((r) => live && setRunner(r));
    return () => {
      live = false;
    };
  }, []);
  return (
    <RunnerContext.Provider value={runner}>
      <div className="lab">
        <header>
          <h1>RLVR Lab</h1>
          <AdapterStatus />
          <a href={lessonHash(1)} onClick={(e) => (e.preventDefault(), navigate(lessonHash(1)))}>
            Lessons
          </a>
          <SharePanel />
        </header>
        <Banners />
        <Launcher />
        <main>
          <RunList />
          <ChartsPanel />
          <RolloutInspector />
        </main>
      </div>
    </RunnerContext.Provider>
  );
}

/** `#lesson=N…` opens the lessons; any other address is the lab. */
export function App() {
  const route = useRoute();
  return route.page === 'lesson' ? <LessonPage hash={route.hash} /> : <Lab />;
}
