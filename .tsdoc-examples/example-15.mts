// src/metrics/classification-report.ts:102
import { classificationReport } from 'tfjs-fashion-mnist';

console.log(classificationReport([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], { targetNames: ['class 0', 'class 1', 'class 2'] }));
//               precision    recall  f1-score   support
//
//      class 0       0.50      1.00      0.67         1
//      class 1       0.00      0.00      0.00         1
//      class 2       1.00      0.67      0.80         3
//
//     accuracy                           0.60         5
//    macro avg       0.50      0.56      0.49         5
// weighted avg       0.70      0.60      0.61         5
export {};
