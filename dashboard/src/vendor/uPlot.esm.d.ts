// Types of /dashboard/vendor/uPlot.esm.js, which the backend serves from the uplot npm package.
import uPlot from 'uplot';
export default uPlot;
