import { createRoot } from 'react-dom/client';
import '@cloudscape-design/global-styles/index.css';
import './console.css';
import App from './App.jsx';

createRoot(document.getElementById('root')).render(<App />);
