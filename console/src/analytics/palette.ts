// Distinct colours for agents' series, in a fixed order so an agent keeps its colour across the charts.
const COLORS = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ef4444', '#8b5cf6', '#ec4899', '#14b8a6'];

export const colorAt = (index: number) => COLORS[index % COLORS.length] ?? '#4f46e5';
