# staff plugin
