import { useLab } from './store';

/** Messages about links, imports and storage; each names what it is about and can be dismissed. */
export function Banners() {
  const banners = useLab((s) => s.banners);
  const dismiss = useLab((s) => s.dismissBanner);
  if (banners.length === 0) return null;
  return (
    <div className="banners">
      {banners.map((b) => (
        <div key={b.id} className={`banner banner-${b.tone}`} role={b.tone === 'error' ? 'alert' : 'status'}>
          <div className="banner-body">
            <strong>{b.title}</strong>
            {b.lines.length > 0 && (
              <ul>
                {b.lines.map((line, i) => (
                  <li key={i}>{line}</li>
                ))}
              </ul>
            )}
          </div>
          <button type="button" className="icon" aria-label={`Dismiss: ${b.title}`} onClick={() => dismiss(b.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
