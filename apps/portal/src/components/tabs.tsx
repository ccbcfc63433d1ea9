import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export function Tabs({
  tabs,
}: {
  tabs: { id: string; label: string; render: () => ComponentChildren }[];
}) {
  const [active, setActive] = useState(tabs[0]?.id ?? '');
  const current = tabs.find((t) => t.id === active) ?? tabs[0];
  if (!current) return null;
  return (
    <div class="tabs" data-testid="tool-tabs">
      <div class="tab-list" role="tablist">
        {tabs.map((t) => (
          <button
            type="button"
            role="tab"
            aria-selected={t.id === current.id}
            class={t.id === current.id ? 'tab active' : 'tab'}
            onClick={() => setActive(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div class="tab-panel" role="tabpanel">
        {current.render()}
      </div>
    </div>
  );
}
